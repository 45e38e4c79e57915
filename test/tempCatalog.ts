import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Temporary catalog directories for one test file: `catalogDir(files)` writes the files (paths
 * relative to the catalog) into a fresh directory and returns it; all are removed after each test.
 */
export function tempCatalogs(prefix: string): (files: Record<string, string>) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return (files) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
  };
}
