// The house's arrows, checked by `npm run lint` (depcruise). Arrows point one way:
// app → pages → features → domain/platform; tools (demo data, generator) may use features.
// No cycle between files, nor between folders (two features importing each other both ways is a
// folder cycle even when no file imports back the file that imports it).
// src/app/architecture.test.ts shows each rule failing on a fixture.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      comment: 'Files that import each other in a loop.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders whose files import each other in a loop, e.g. two features both ways.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'Pure rules: nothing but other rules, no Node.js modules (no I/O), no packages.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/' },
    },
    {
      name: 'platform-is-below-features',
      comment: 'The platform serves every feature and knows none of them.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/(app|pages|features|tools)/' },
    },
    {
      name: 'features-are-leaves',
      comment: 'Features never import pages, the app or the tools.',
      severity: 'error',
      from: { path: '^src/features/' },
      to: { path: '^src/(app|pages|tools)/' },
    },
    {
      name: 'pages-compose-features',
      comment: 'Pages compose features; they do not reach into the app or the tools.',
      severity: 'error',
      from: { path: '^src/pages/' },
      to: { path: '^src/(app|tools)/' },
    },
    {
      name: 'tools-below-app',
      comment: 'Demo data and the generator may use features, never the app or a page.',
      severity: 'error',
      from: { path: '^src/tools/' },
      to: { path: '^src/(app|pages)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Tests may import anything (helpers, the app); the house is the code they test.
    exclude: { path: '\\.test\\.tsx?$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
