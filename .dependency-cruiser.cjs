// The folders of src/ in layers, top first: a folder imports only folders of lower layers, never
// one of its own layer or above. No import cycle between modules either. `npm run lint` runs it
// (`depcruise src`); docs/architecture.md ("Folders") says what each folder holds.
const layers = [
  ['cli'],
  ['server'],
  ['web', 'doors'],
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

// Until src/cluster and src/scale become src/shared-state they keep their imports of routing,
// billing and health (and src/server/logger.ts, a re-export of src/security/logger.ts); only
// layers above shared-state import them. Drop these two names when that move lands.
const becomingSharedState = ['cluster', 'scale'];

// src/server/logger.ts re-exports src/security/logger.ts for the code that moves to shared-state;
// drop this exception with that file.
const loggerReExport = '^src/server/logger\\.ts$';

const anyOf = (folders) => `^src/(${folders.join('|')})/`;

const sharedStateLayer = layers.findIndex((folders) => folders.includes('shared-state'));

const layerRules = layers.map((folders, index) => {
  const notBelow = layers.slice(0, index + 1).flat();
  if (index >= sharedStateLayer) notBelow.push(...becomingSharedState);
  const sameLayer = folders.length > 1 ? ` or beside it (${folders.join(', ')})` : '';
  return {
    name: `layer-${folders.join('-')}`,
    comment: `src/${folders.join(', src/')} may import only lower layers, not the layers above${sameLayer}.`,
    severity: 'error',
    from: { path: anyOf(folders) },
    to: {
      path: anyOf(notBelow),
      // A folder's own files import each other freely (module cycles are still refused above).
      pathNot: [`^src/($1)/`, ...(index === sharedStateLayer ? [loggerReExport] : [])],
    },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle between modules.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'layer-shared-state-moving',
      comment: 'src/cluster and src/scale import neither the CLI, the server (but its logger), doors, web nor the pipeline.',
      severity: 'error',
      from: { path: anyOf(becomingSharedState) },
      to: {
        path: anyOf(['cli', 'server', 'web', 'doors', 'pipeline', 'discovery', 'sim']),
        pathNot: loggerReExport,
      },
    },
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
      from: { path: '^src/', pathNot: anyOf([...layers.flat(), ...becomingSharedState, 'sim']) },
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
