import { parseAllDocuments } from "yaml";

/**
 * The names of the CustomResourceDefinitions a YAML text defines (every document, `List` items
 * too), in the order written; documents that are not valid YAML are skipped (applying them fails
 * with the parser's words).
 */
export function crdNamesInYaml(text: string): string[] {
  const names: string[] = [];
  const visit = (o: unknown) => {
    if (o === null || typeof o !== "object") return;
    const obj = o as { kind?: unknown; items?: unknown; metadata?: { name?: unknown } };
    if (Array.isArray(obj.items) && typeof obj.kind === "string" && obj.kind.endsWith("List"))
      obj.items.forEach(visit);
    else if (obj.kind === "CustomResourceDefinition" && typeof obj.metadata?.name === "string")
      names.push(obj.metadata.name);
  };
  for (const doc of parseAllDocuments(text)) if (doc.errors.length === 0) visit(doc.toJS());
  return names;
}
