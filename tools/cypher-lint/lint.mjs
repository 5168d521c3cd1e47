#!/usr/bin/env node
// Lint Neo4j Cypher with Neo4j's own linter (@neo4j-cypher/language-support).
//
// Input (a file named on the command line, or stdin when there is none or it is "-"):
//   {
//     "schema":  { "labels": [...], "relationshipTypes": [...], "propertyKeys": [...],
//                  "graphSchema": [{"from", "to", "relType"}], "defaultLanguage": "CYPHER 5" },
//     "queries": [ { "name": "...", "text": "...", "params": { "uid": "STRING" } } ]
//   }
// `schema` is the package's DbSchema (see dist/.../dbSchema.d.ts). Each query is linted
// with that schema plus its own declared parameters, so an undeclared `$param` is an error.
// Unless the schema brings its own `functions`/`procedures` (or --no-catalogue is given),
// the package's bundled catalogue of a Neo4j server's functions and procedures is used,
// cut down to built-in functions and the db.*, dbms.* and tx.* procedures (no APOC or GDS
// plugins), so that an unknown function (say a LadybugDB one) is an error.
//
// Output: one line per diagnostic, `SEVERITY name:line:column message` (1-based), then a
// summary line. With --json: one JSON document {queries, errors, warnings, diagnostics}.
// Exit status: 0 when no diagnostic has Error severity (warnings are printed, not fatal),
// 1 when one has, 2 when the input cannot be read.
import { readFileSync } from 'node:fs';
import { lintCypherQuery, parseStatementsStrs, testData } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'ERROR', 2: 'WARNING', 3: 'INFO', 4: 'HINT' };
const PROCEDURE_NAMESPACES = ['db.', 'dbms.', 'tx.'];

function usage(message) {
  process.stderr.write(`lint.mjs: ${message}\nusage: node lint.mjs [--json] [--no-catalogue] [FILE|-]\n`);
  process.exit(2);
}

function readInput(path) {
  try {
    return readFileSync(path === undefined || path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    usage(`cannot read ${path ?? 'stdin'}: ${err.message}`);
  }
}

function bundledCatalogue() {
  const mock = testData?.mockSchema ?? {};
  const functions = {};
  const procedures = {};
  for (const [version, registry] of Object.entries(mock.functions ?? {})) {
    functions[version] = Object.fromEntries(Object.entries(registry).filter(([, fn]) => fn.isBuiltIn));
  }
  for (const [version, registry] of Object.entries(mock.procedures ?? {})) {
    procedures[version] = Object.fromEntries(
      Object.entries(registry).filter(([name]) => PROCEDURE_NAMESPACES.some((ns) => name.startsWith(ns))),
    );
  }
  return { functions, procedures };
}

function main(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const files = argv.filter((a) => !a.startsWith('--'));
  for (const f of flags) {
    if (!['--json', '--no-catalogue'].includes(f)) usage(`unknown option ${f}`);
  }
  if (files.length > 1) usage('give at most one input file');

  let doc;
  try {
    doc = JSON.parse(readInput(files[0]));
  } catch (err) {
    usage(`input is not JSON: ${err.message}`);
  }
  if (!doc || !Array.isArray(doc.queries)) usage('input needs a "queries" list');
  const base = { defaultLanguage: 'CYPHER 5', ...(doc.schema ?? {}) };
  if (!flags.has('--no-catalogue') && !base.functions && !base.procedures) {
    Object.assign(base, bundledCatalogue());
  }

  const diagnostics = [];
  for (const [i, q] of doc.queries.entries()) {
    const name = q?.name ?? `query #${i}`;
    const text = q?.text ?? '';
    if (typeof text !== 'string' || text.trim() === '') {
      diagnostics.push({ query: name, severity: 'ERROR', line: 1, column: 1, message: 'empty query text' });
      continue;
    }
    const dbSchema = { ...base, parameters: { ...(q.params ?? {}) } };
    const { diagnostics: found } = lintCypherQuery(text, dbSchema, { consoleCommandsEnabled: false });
    for (const d of found) {
      diagnostics.push({
        query: name,
        severity: SEVERITY[d.severity] ?? 'ERROR',
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
        offset: d.offsets?.start,
        message: d.message,
      });
    }
    // The driver sends one statement per call: a second one would be a runtime error.
    const statements = parseStatementsStrs(text).filter((s) => s.trim() !== '');
    if (statements.length > 1) {
      diagnostics.push({
        query: name, severity: 'ERROR', line: 1, column: 1,
        message: `${statements.length} statements in one query; the driver runs one statement per call`,
      });
    }
  }

  const errors = diagnostics.filter((d) => d.severity === 'ERROR').length;
  const warnings = diagnostics.filter((d) => d.severity === 'WARNING').length;
  if (flags.has('--json')) {
    process.stdout.write(JSON.stringify({ queries: doc.queries.length, errors, warnings, diagnostics }, null, 2) + '\n');
  } else {
    for (const d of diagnostics) {
      process.stdout.write(`${d.severity} ${d.query}:${d.line}:${d.column} ${d.message}\n`);
    }
    process.stdout.write(
      `cypher-lint: ${doc.queries.length} queries, ${errors} error(s), ${warnings} warning(s)\n`,
    );
  }
  process.exitCode = errors > 0 ? 1 : 0;
}

main(process.argv.slice(2));
