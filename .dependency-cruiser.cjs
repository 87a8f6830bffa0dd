// The folders of src/ in layers, top first: a folder imports only folders of lower layers, never
// one of its own layer or above. No import cycle between modules either. `npm run lint` runs it
// (`depcruise src`); docs/architecture.md ("Folders") says what each folder holds.
const layers = [
  ['cli'],
  ['server'],
  ['web', 'doors'],
  ['cluster'],
  ['pipeline'],
  ['discovery'],
  ['health'],
  ['routing'],
  ['billing', 'providers'],
  ['shared-state'],
  ['engine', 'store'],
  ['config'],
  ['security', 'catalog'],
  ['http'],
  ['canonical'],
];

const anyOf = (folders) => `^src/(${folders.join('|')})/`;

const layerRules = layers.map((folders, index) => {
  const notBelow = layers.slice(0, index + 1).flat();
  const sameLayer = folders.length > 1 ? ` or beside it (${folders.join(', ')})` : '';
  return {
    name: `layer-${folders.join('-')}`,
    comment: `src/${folders.join(', src/')} may import only lower layers, not the layers above${sameLayer}.`,
    severity: 'error',
    from: { path: anyOf(folders) },
    to: {
      path: anyOf(notBelow),
      // A folder's own files import each other freely (module cycles are still refused above).
      pathNot: `^src/($1)/`,
    },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle between modules (a cycle made only of type imports runs no code and is allowed).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...layerRules,
    {
      name: 'sim-beside',
      comment: 'src/sim, the upstream simulator, is a tool beside the gateway: only the CLI starts it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|sim)/' },
      to: { path: '^src/sim/' },
    },
    {
      name: 'sim-imports-low',
      comment: 'src/sim may import providers and the layers below, nothing that serves clients.',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { path: anyOf(['cli', 'server', 'web', 'doors', 'pipeline', 'discovery', 'health', 'routing', 'billing']) },
    },
    {
      name: 'folder-in-a-layer',
      comment: 'Every folder of src/ has its place in the layers above: add a new one there first.',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf([...layers.flat(), 'sim']) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
