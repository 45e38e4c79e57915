/**
 * The docs stay true: the README's Layout table is the import rule lint enforces, the
 * configuration reference lists exactly the keys each stack kind reads, and every link between
 * the pages (and to the repository's files) leads somewhere.
 */
import * as fs from "fs";
import * as path from "path";
import { readBranchSettings } from "../config/branchSettings";
import { readLocalSettings } from "../config/localSettings";
import { ConfigReader } from "../config/reader";
import { fakeConfig } from "./mocks";

const REPO = path.resolve(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(REPO, file), "utf8");

/** The rows of the markdown table that follows `heading` (cells trimmed, header and rule skipped). */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no heading ${JSON.stringify(heading)}`);
  const rows: string[][] = [];
  let i = start + 1;
  while (i < lines.length && !lines[i].startsWith("|")) i++;
  for (; i < lines.length && lines[i].startsWith("|"); i++)
    rows.push(
      lines[i]
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  return rows.slice(2);
}

const codes = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

describe("README: the Layout table is the import rule lint enforces", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cruiser = require("../.dependency-cruiser.cjs") as {
    forbidden: { name: string; from: { path?: string }; to: { path?: string | string[] } }[];
  };
  const folderOf = (p: string) => p.replace(/^\^/, "").replace(/\/$|\$$/, "");
  const rules = new Map<string, { never: string[]; typesOnly: string[] }>();
  for (const r of cruiser.forbidden) {
    const m = /^(.+)-imports(-types-only)?$/.exec(r.name);
    if (!m || !r.from.path) continue;
    const folder = folderOf(r.from.path);
    const to = ([] as string[]).concat(r.to.path ?? []).map(folderOf);
    const entry = rules.get(folder) ?? { never: [], typesOnly: [] };
    if (m[2]) entry.typesOnly.push(...to);
    else entry.never.push(...to);
    rules.set(folder, entry);
  }
  const ours = [...rules.keys()];
  const table = tableAfter(read("README.md"), "## Layout");
  const row = (folder: string) => table.find((r) => codes(r[0])[0]?.replace(/\/$/, "") === folder);

  test.each(ours)("%s: may import what the table says, and nothing else", (folder) => {
    const cells = row(folder);
    expect(cells).toBeDefined();
    const said = cells![2] === "nothing of ours" ? [] : cells![2].split(", ");
    const runtime = said.filter((s) => !s.endsWith("(types)")).flatMap(codes);
    const types = said.filter((s) => s.endsWith("(types)")).flatMap(codes);
    const { never, typesOnly } = rules.get(folder)!;
    const allowed = ours.filter(
      (f) => f !== folder && !never.includes(f) && !typesOnly.includes(f),
    );
    expect([...runtime].map((f) => f.replace(/\/$/, "")).sort()).toEqual(allowed.sort());
    expect([...types].map((f) => f.replace(/\/$/, "")).sort()).toEqual([...typesOnly].sort());
  });

  test("every folder of the repository has a row; every TypeScript folder has a rule", () => {
    const folders = fs
      .readdirSync(REPO, { withFileTypes: true })
      .filter(
        (d) => d.isDirectory() && !["node_modules", ".git", "bin", "coverage"].includes(d.name),
      )
      .map((d) => d.name);
    const rows = table.map((r) => codes(r[0])[0]?.replace(/\/$/, ""));
    expect(folders.filter((f) => !rows.includes(f))).toEqual([]);
    const typescript = folders.filter(
      (f) =>
        !["test", "services", "toolchain", "scripts", "docs", ".ci"].includes(f) &&
        fs.readdirSync(path.join(REPO, f)).some((n) => n.endsWith(".ts")),
    );
    expect(typescript.filter((f) => !ours.includes(f))).toEqual([]);
  });
});

describe("docs/configuration.md lists exactly the keys each stack kind reads", () => {
  const doc = read("docs/configuration.md");
  const keysOf = (heading: string) =>
    tableAfter(doc, heading)
      .flatMap((r) => codes(r[0]))
      .filter((k) => !k.includes("<"));
  const both = keysOf("## Both stack kinds");

  test("local stack", () => {
    const r = new ConfigReader(fakeConfig({}));
    readLocalSettings(r);
    expect([...both, ...keysOf("## Local stack")].sort()).toEqual(r.knownKeys());
  });

  test("branch stack", () => {
    const r = new ConfigReader(fakeConfig({}, {}, "Pulumi.branch-x.yaml"));
    readBranchSettings(r, "branch-x");
    expect([...both, ...keysOf("## Branch stacks")].sort()).toEqual(r.knownKeys());
  });
});

describe("links", () => {
  const pages = [
    "README.md",
    ...fs
      .readdirSync(path.join(REPO, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  /** GitHub's anchor of a heading: lowercased, punctuation dropped, spaces to dashes. */
  const anchor = (heading: string) =>
    heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
  const anchorsOf = (file: string) =>
    read(file)
      .split("\n")
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => anchor(l.replace(/^#+ /, "")));

  test.each(pages)(
    "every relative link of %s leads to a file (and heading) that exists",
    (page) => {
      const broken: string[] = [];
      const text = read(page).replace(/```[\s\S]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto
        const [file, hash] = target.split("#");
        const resolved = file === "" ? page : path.normalize(path.join(path.dirname(page), file));
        if (!fs.existsSync(path.join(REPO, resolved))) broken.push(target);
        else if (hash && resolved.endsWith(".md") && !anchorsOf(resolved).includes(hash))
          broken.push(target);
      }
      expect(broken).toEqual([]);
    },
  );
});
