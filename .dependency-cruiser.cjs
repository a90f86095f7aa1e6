/**
 * The layer graph of docs/architecture.md ("Layers"), enforced by `npm run check`. A folder may import only from
 * folders on a lower line; folders on one line are peers that may not import each other. test/, bench/ and
 * scripts/ may import anything (and nothing imports them).
 */

/** Bottom up. */
const LAYERS = [
  ['domain', 'protocol', 'lib'],
  ['config'],
  ['api'],
  ['timetable'],
  ['registry'],
  ['usage', 'gateway', 'broker', 'device-sim', 'alerts', 'commands'],
  ['edge'],
  ['dashboard/server'],
  ['app'],
  ['cli'],
];

/** Peers that may import each other after all: lib/ is built on the vocabulary and the device contract. */
const PEER_EXCEPTIONS = { lib: ['domain', 'protocol'] };

const NPM = ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'];
const dir = (f) => `^${f}/`;
const anyOf = (fs) => `^(${fs.join('|')})/`;

function layerRules() {
  const rules = [];
  LAYERS.forEach((line, i) => {
    const above = LAYERS.slice(i + 1).flat();
    for (const folder of line) {
      const peers = line.filter((p) => p !== folder && !(PEER_EXCEPTIONS[folder] ?? []).includes(p));
      const banned = [...above, ...peers];
      if (!banned.length) continue;
      rules.push({
        name: `layer-${folder.replace('/', '-')}`,
        comment: `${folder}/ may import only from the layers below it (docs/architecture.md, Layers)`,
        severity: 'error',
        from: { path: dir(folder) },
        to: { path: anyOf(banned) },
      });
    }
  });
  return rules;
}

module.exports = {
  forbidden: [
    ...layerRules(),
    {
      name: 'folder-in-the-graph',
      comment: 'a new top-level folder gets a line in LAYERS (and in docs/architecture.md) before it imports anything',
      severity: 'error',
      from: { path: '^[^/]+/', pathNot: `^(${[...LAYERS.flat(), 'dashboard/web', 'test', 'bench', 'scripts', 'bin'].join('|')})/` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no run-time import cycles (a cycle of type-only imports is harmless; across folders the layer rules forbid any)',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'api-contract-only',
      comment: 'api/ is the HTTP contract shared with the browser: it imports only domain/, protocol/ and lib/vn/ (types)',
      severity: 'error',
      from: { path: '^api/' },
      to: { path: '^(lib/(?!vn/)|config/)' },
    },
    {
      name: 'vocabulary-imports-nothing',
      comment: 'domain/ and protocol/ are the bottom: they import no other folder of EduFleet',
      severity: 'error',
      from: { path: '^(domain|protocol)/' },
      to: { path: '^(?!domain/|protocol/)[^/]+/', dependencyTypesNot: [...NPM, 'core'] },
    },
    {
      name: 'vn-browser-safe',
      comment: 'lib/vn/ runs in the browser too: no Node built-ins, and nothing of lib/ outside lib/vn/',
      severity: 'error',
      from: { path: '^lib/vn/' },
      to: { pathNot: '^(lib/vn/|domain/|protocol/)', dependencyTypesNot: NPM },
    },
    {
      name: 'timetable-model-pure',
      comment: 'timetable/model.ts is used by the web app: no Node built-ins, no server code',
      severity: 'error',
      from: { path: '^timetable/model\\.ts$' },
      to: { pathNot: '^(lib/vn/|domain/|protocol/|timetable/model\\.ts$)', dependencyTypesNot: NPM },
    },
    {
      name: 'web-allow-list',
      comment: 'the browser app imports only api/, domain/, protocol/, lib/vn/, timetable/model.ts, its own files and npm packages',
      severity: 'error',
      // vite.config.ts is build tooling that runs in Node, not part of the app.
      from: { path: '^dashboard/web/', pathNot: '^dashboard/web/vite\\.config\\.ts$' },
      to: { pathNot: '^(dashboard/web/|api/|domain/|protocol/|lib/vn/|timetable/model\\.ts$)', dependencyTypesNot: NPM },
    },
    {
      name: 'nothing-imports-the-web-app',
      comment: 'the browser app is a leaf: server code never imports it',
      severity: 'error',
      from: { pathNot: '^(dashboard/web/|test/|bench/|scripts/)' },
      to: { path: '^dashboard/web/' },
    },
    {
      name: 'nothing-imports-tests-or-tools',
      comment: 'test/, bench/ and scripts/ sit on top of everything',
      severity: 'error',
      from: { pathNot: '^(test|bench|scripts)/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'sql-only-in-registry',
      comment: 'registry/ is the only place with a database handle or a database driver (issue 9, item 1)',
      severity: 'error',
      from: { pathNot: '^(registry|test|bench|scripts)/' },
      to: { path: '(^|node_modules/)(@types/)?(better-sqlite3|pg|kysely)(/|$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dashboard/web/dist|dist|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
