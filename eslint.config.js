// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of docs/design.md, lowest first: each folder of src/ may import the folders it
 * lists and nothing else (the files at src/'s root — errors, redaction, HTML escaping — are below every
 * layer; src/index.ts is the public API and may import anything). An import that points up
 * or sideways fails `npm run lint`.
 */
const BASE = ['kalman', 'stats', 'data', 'linalg'];
export const LAYERS = {
  linalg: [],
  kalman: ['linalg'],
  stats: ['linalg'],
  data: ['linalg'],
  strategy: BASE,
  execution: ['data', 'linalg'],
  backtest: ['execution', 'strategy', ...BASE],
  live: ['execution', 'strategy', ...BASE],
  scan: ['backtest', 'execution', 'strategy', ...BASE],
  report: ['execution', 'strategy', ...BASE],
  app: ['report', 'scan', 'live', 'backtest', 'execution', 'strategy', ...BASE],
  cli: ['app', 'report', 'scan', 'live', 'backtest', 'execution', 'strategy', ...BASE],
};
/**
 * Imports allowed for their types only: a report renders the results of a backtest, scan or
 * paper run without running one, and the execution layer drives a strategy it is handed.
 */
export const TYPE_ONLY = {
  execution: ['strategy'],
  report: ['backtest', 'scan', 'live'],
};

/** @param {string} layer */
function boundaryRule(layer) {
  const allowed = new Set([layer, ...LAYERS[layer]]);
  const typeOnly = new Set(TYPE_ONLY[layer] ?? []);
  const forbidden = Object.keys(LAYERS).filter((other) => !allowed.has(other));
  const pattern = (/** @type {string} */ other) => ({
    group: [`../${other}`, `../${other}/*`],
    message: `src/${layer} may not import src/${other} (layers in docs/design.md: ${layer} → ${[...LAYERS[layer]].join(', ') || 'nothing'})`,
  });
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbidden.filter((o) => !typeOnly.has(o)).map(pattern),
            ...forbidden
              .filter((o) => typeOnly.has(o))
              .map((o) => ({ ...pattern(o), allowTypeImports: true })),
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    // templates hold `// @fuse` lines in place of code (scripts/fuse.ts): only their output is code
    ignores: ['.bench-build/', 'dist/', 'out/', 'coverage/', 'node_modules/', 'scripts/fuse/*.template.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // generated kernels (scripts/fuse.ts) keep the sums and locals of the regions they are made
    // from that their recording level does not read
    files: ['src/**/*.generated.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': 'off',
      'no-useless-assignment': 'off',
    },
  },
  ...Object.keys(LAYERS).map(boundaryRule),
  {
    // the root files sit below every layer
    files: ['src/errors.ts', 'src/redact.ts', 'src/escape.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./*/*'],
              message: 'src/errors.ts, src/redact.ts and src/escape.ts sit below every layer',
            },
          ],
        },
      ],
    },
  },
);
