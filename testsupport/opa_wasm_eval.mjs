// Second Wasm host for the differential tests: evaluates an OPA policy.wasm with the Node SDK
// (@open-policy-agent/opa-wasm), so a test can show the artifact Sentinel builds is portable.
// Usage: node opa_wasm_eval.mjs POLICY.wasm DATA.json INPUTS.json ENTRYPOINT...
// Prints one JSON array: for each input, for each entry point, its value (null when undefined).
//
// Host builtins are the host's job, and the SDK's sprintf (sprintf-js) has no Go %q: the SDK's
// table is given OPA's sprintf for the verbs Sentinel's Python host supports (%s %v %q %d %%), and
// anything else throws, so an evaluation never silently differs from OPA's.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const { loadPolicy } = require("@open-policy-agent/opa-wasm");
const sdkBuiltins = require(join(dirname(require.resolve("@open-policy-agent/opa-wasm")), "builtins", "index.js"));

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SIMPLE = { 7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v" };

function goQuote(text) {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0);
    if (char === '"' || char === "\\") out += "\\" + char;
    else if (PRINTABLE.test(char)) out += char;
    else if (code in SIMPLE) out += SIMPLE[code];
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else if (code < 0x10000) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += "\\U" + code.toString(16).padStart(8, "0");
  }
  return out + '"';
}

function plain(value) {
  if (typeof value === "string") return value;
  if (value === null) return "null";
  if (typeof value === "boolean" || Number.isInteger(value)) return String(value);
  throw new Error(`sprintf: unsupported operand ${typeof value}`);
}

sdkBuiltins.sprintf = (format, values) => {
  let index = 0;
  return format.replace(/%(.)/gs, (_, verb) => {
    if (verb === "%") return "%";
    if (index >= values.length) throw new Error("sprintf: fewer values than verbs");
    const value = values[index++];
    if (verb === "s" || verb === "v") return plain(value);
    if (verb === "q" && typeof value === "string") return goQuote(value);
    if (verb === "d" && Number.isInteger(value)) return String(value);
    throw new Error(`sprintf: unsupported verb %${verb}`);
  });
};

const [wasmPath, dataPath, inputsPath, ...entrypoints] = process.argv.slice(2);
const policy = await loadPolicy(readFileSync(wasmPath));
policy.setData(JSON.parse(readFileSync(dataPath, "utf8")));
const inputs = JSON.parse(readFileSync(inputsPath, "utf8"));
const out = inputs.map((input) =>
  entrypoints.map((entrypoint) => {
    const resultSet = policy.evaluate(input, entrypoint);
    return resultSet.length === 0 ? null : resultSet[0].result;
  }),
);
process.stdout.write(JSON.stringify(out));
