import * as fs from "fs";
import * as path from "path";
import type { FileCheck } from "../catalog/plan";
import { CatalogError } from "../catalog/problems";
import { Catalog } from "../catalog/types";
import { buildCatalog, CatalogFile } from "../catalog/validate";

/**
 * Reads every `*.yaml`/`*.yml` file directly inside `dir` and returns the validated catalog.
 * Throws a {@link CatalogError} naming each file, field, value and fix.
 */
export function loadCatalog(dir: string): Catalog {
  const absDir = path.resolve(dir);
  let names: string[];
  try {
    names = fs
      .readdirSync(absDir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
  } catch (err) {
    throw new CatalogError(
      [
        {
          file: dir,
          path: "",
          message: `cannot read the catalog directory (${(err as NodeJS.ErrnoException).code}); create it or set localkube:catalogDir`,
        },
      ],
      "invalid service catalog",
    );
  }
  const display = path.relative(process.cwd(), absDir) || ".";
  const files: CatalogFile[] = names.map((n) => ({
    file: path.join(display, n),
    text: fs.readFileSync(path.join(absDir, n), "utf8"),
  }));
  return buildCatalog(display, absDir, files);
}

/** The file system's answers to the catalog planner's questions (build contexts, mounted files, charts). */
export const DISK: FileCheck = {
  exists: (p) => fs.existsSync(p),
  isDirectory: (p) => fs.statSync(p).isDirectory(),
};
