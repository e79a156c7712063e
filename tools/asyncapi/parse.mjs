// Parses an AsyncAPI document with the official parser and prints its diagnostics as JSON on stdout:
// [{"severity": "error" | "warning" | "info" | "hint", "code": ..., "message": ..., "path": [...]}].
// Usage: node parse.mjs <document.json>
import { readFile } from "node:fs/promises";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const SEVERITY = {
  [DiagnosticSeverity.Error]: "error",
  [DiagnosticSeverity.Warning]: "warning",
  [DiagnosticSeverity.Information]: "info",
  [DiagnosticSeverity.Hint]: "hint",
};

const path = process.argv[2];
const { document, diagnostics } = await new Parser().parse(await readFile(path, "utf8"), { source: path });
const out = diagnostics.map((d) => ({
  severity: SEVERITY[d.severity] ?? String(d.severity),
  code: d.code,
  message: d.message,
  path: d.path,
}));
if (document) {
  // What a code generator reads: every message with its payload, headers and Kafka key resolved.
  out.push({
    severity: "summary",
    code: "document",
    message: JSON.stringify({
      asyncapi: document.version(),
      messages: document.allMessages().all().map((m) => ({
        id: m.id(),
        contentType: m.contentType(),
        payloadResolved: !JSON.stringify(m.payload()?.json() ?? null).includes('"$ref"'),
        headers: Object.keys(m.headers()?.properties() ?? {}),
        kafkaKey: m.bindings().get("kafka")?.value()?.key ?? null,
      })),
    }),
    path: [],
  });
}
process.stdout.write(JSON.stringify(out));
