// ESLint flat config: @eslint/js recommended + typescript-eslint recommendedTypeChecked, run by
// `npm run lint` (`eslint -c test/eslint.config.js .`, and so by `npm test`'s pretest) with
// --max-warnings 0. It sits in test/ because the project's top level is fixed.
//
// Type information comes from the project service: each file is checked against the nearest
// tsconfig.json, i.e. the root one for gateway/ and policies/, test/tsconfig.json for test/, and
// dashboard/tsconfig.json (DOM lib, Bundler resolution) for dashboard/src/.
import { resolve } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { defineConfig } from 'eslint/config';

// The code base is written as if `noUncheckedIndexedAccess` were on: a read through an index
// signature that is known to hit is marked `arr[i]!` / `record[key]!` / `record.name!`, and so is a
// binding of array destructuring, `const [a] = list; a!` (about a thousand of them), but
// tsconfig.json does not enable the flag, so no-unnecessary-type-assertion reports every such `!`.
// This is that rule with only those reports dropped: a `!` directly on a member access that goes
// through an index signature (array or tuple element by a computed index, record key that is not a
// declared property) or on a variable destructured from an array, i.e. the `!` that take off the
// `| undefined` the flag adds. Every other unnecessary `!` or `as` is still reported. Once
// tsconfig.json enables the flag, the filter drops nothing and the stock rule can replace this one.
const baseUnnecessaryAssertion = tseslint.plugin.rules['no-unnecessary-type-assertion'];
const unnecessaryTypeAssertion = {
  ...baseUnnecessaryAssertion,
  create(context) {
    const services = context.sourceCode.parserServices;
    const checker = services.program.getTypeChecker();
    // Does reading `key` (null: a computed key) of a value of `type` go through an index signature?
    const readsIndexSignature = (type, key) => {
      const t = checker.getApparentType(type);
      if (key !== null && t.getProperty(key)) return false;
      return checker.isArrayType(t) || checker.isTupleType(t) || checker.getIndexInfosOfType(t).length > 0;
    };
    const isIndexSignatureRead = (node) => {
      if (node.type !== 'TSNonNullExpression') return false;
      const e = node.expression;
      if (e.type === 'MemberExpression') {
        const key = !e.computed ? e.property.name : e.property.type === 'Literal' ? String(e.property.value) : null;
        return readsIndexSignature(services.getTypeAtLocation(e.object), key);
      }
      if (e.type !== 'Identifier') return false;
      let variable;
      for (let scope = context.sourceCode.getScope(node); scope && !variable; scope = scope.upper) {
        variable = scope.set.get(e.name);
      }
      const def = variable?.defs[0];
      if (def?.type !== 'Variable' || def.node.id.type !== 'ArrayPattern' || !def.node.init) return false;
      const index = def.node.id.elements.indexOf(def.name);
      return index >= 0 && readsIndexSignature(services.getTypeAtLocation(def.node.init), String(index));
    };
    const filtered = Object.create(context, {
      report: {
        value: (descriptor) => {
          if (!isIndexSignatureRead(descriptor.node)) context.report(descriptor);
        },
      },
    });
    return baseUnnecessaryAssertion.create(filtered);
  },
};

export default defineConfig(
  {
    // Build output, dependencies, caches and the generated artefacts listed in .gitignore.
    ignores: [
      'dist/',
      'dashboard/dist/',
      'node_modules/',
      '.cache/',
      'coverage/',
      'data/',
      'test-output/',
      'fuzz-findings/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // The one TypeScript file in no tsconfig: the dashboard's Vite config (the dashboard
          // tsconfig includes only src/). It gets the default project.
          allowDefaultProject: ['dashboard/vite.config.ts'],
        },
        // This file lives in test/ (the project's top level is fixed); the projects are the root's.
        tsconfigRootDir: resolve(import.meta.dirname, '..'),
      },
    },
    plugins: {
      edgeward: { rules: { 'no-unnecessary-type-assertion': unnecessaryTypeAssertion } },
    },
    rules: {
      // The code base marks a binding that must exist but is not used with a leading `_`: Express
      // error handlers need all four parameters, interface implementations keep the interface's
      // parameters, and `const { a: _a, ...rest } = x` drops keys from a copy.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Passing a caught value on, `catch (e) { reject(e); }`, is a rethrow: allow it as
      // only-throw-error allows `throw e` (its allowThrowingUnknown is on by default).
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Replaced by the index-read-aware version above (same options, same fixes).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      'edgeward/no-unnecessary-type-assertion': 'error',
    },
  },
  {
    // Plain JavaScript helper scripts (test setup, the netns helpers that node runs directly) are
    // in no TypeScript project: lint them without type information, as Node ES modules.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { 'edgeward/no-unnecessary-type-assertion': 'off' },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
);
