// Validates GitHub Actions workflows and action metadata with GitHub's own parser
// (@actions/workflow-parser, from actions/languageservices). Usage: node workflow_parser.mjs FILE...
// Files named action.yml/action.yaml are parsed as actions, the others as workflows. Prints one
// line per error ("file: message") and exits 1 when there is any, 2 on a usage error.
import { readFileSync } from "node:fs";
import { register } from "node:module";
import { basename } from "node:path";

// The package imports its JSON schemas without `with { type: "json" }`, which Node 20 refuses:
// a loader hook adds the attribute to .json imports.
const hook = `export async function load(url, context, next) {
  if (url.endsWith(".json")) return next(url, { ...context, importAttributes: { type: "json" } });
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);
const { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } = await import("@actions/workflow-parser");
const { convertActionTemplate, parseAction } = await import("@actions/workflow-parser/actions/index");

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node workflow_parser.mjs FILE...");
  process.exit(2);
}
const trace = new NoOperationTraceWriter();
let failed = false;
for (const name of files) {
  const file = { name, content: readFileSync(name, "utf8") };
  const isAction = ["action.yml", "action.yaml"].includes(basename(name));
  const result = isAction ? parseAction(file, trace) : parseWorkflow(file, trace);
  if (result.value !== undefined) {
    if (isAction) {
      convertActionTemplate(result.context, result.value);
    } else {
      await convertWorkflowTemplate(result.context, result.value);
    }
  }
  const errors = result.context.errors.getErrors();
  if (result.value === undefined && errors.length === 0) {
    errors.push({ message: "nothing could be parsed" });
  }
  for (const error of errors) {
    failed = true;
    console.log(`${name}: ${error.message}`);
  }
}
process.exit(failed ? 1 : 0);
