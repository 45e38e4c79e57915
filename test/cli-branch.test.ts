import { parseBranchArgs, urlLines, USAGE } from "../cli/branch";

describe("parseBranchArgs", () => {
  test("deploy and destroy, with the branch as given and an optional commit", () => {
    expect(parseBranchArgs(["deploy", "--branch", "feature/Login", "--sha", "3f2a1c9"])).toEqual({
      action: "deploy",
      branch: "feature/Login",
      sha: "3f2a1c9",
    });
    expect(parseBranchArgs(["destroy", "--branch=feature/Login"])).toEqual({
      action: "destroy",
      branch: "feature/Login",
    });
  });

  test("each mistake is refused with the usage", () => {
    expect(() => parseBranchArgs([])).toThrow(`expected deploy or destroy, got ""; ${USAGE}`);
    expect(() => parseBranchArgs(["up", "--branch", "x"])).toThrow(
      `expected deploy or destroy, got "up"; ${USAGE}`,
    );
    expect(() => parseBranchArgs(["deploy"])).toThrow(`--branch is required; ${USAGE}`);
    expect(() => parseBranchArgs(["deploy", "--branch", "x", "--sha", "$(id)"])).toThrow(
      `--sha "$(id)" is not a commit id; ${USAGE}`,
    );
    expect(() => parseBranchArgs(["deploy", "--branch", "x", "extra"])).toThrow(
      `unexpected "extra"; ${USAGE}`,
    );
    expect(() => parseBranchArgs(["deploy", "--brnch", "x"])).toThrow(USAGE);
  });
});

test("urlLines: one line per service, by name", () => {
  expect(urlLines({ price: "http://price.x.example", bank: "http://bank.x.example" })).toEqual([
    "bank: http://bank.x.example",
    "price: http://price.x.example",
  ]);
});
