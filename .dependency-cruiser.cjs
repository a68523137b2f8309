/**
 * Architecture rules: the folders are the architecture (README "How the code is laid out").
 * Layers, lowest first: the shared kernel (src/*.ts but app.ts and main.ts) → storage-api/ →
 * http/, file-stores/ → ingest/ → results/ → routes/<route>/ → app.ts → main.ts.
 */
const KERNEL = '^src/(errors|logger|config|entry-point|startup-failure|metrics|local-mode-packages)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'Folders depend on each other in one direction only.',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/', pathNot: '^src/$1/', circular: true },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'local-storage/ is exempt only until its reorganisation (a parallel branch) removes its ' +
        'cycles (table-store ↔ table-load, files/local-file-storage ↔ its stores); then drop pathNot.',
      from: { path: '^src', pathNot: '^src/local-storage/' },
      to: { circular: true },
    },
    {
      name: 'importer-not-into-local-storage',
      severity: 'error',
      comment:
        'Remote mode must not load stand-in code; main.ts reaches local mode by a dynamic import. ' +
        'config.ts parses LOCAL_FAULTS with the stand-in fault plan parser (a leaf module that imports nothing).',
      from: { path: '^src/', pathNot: ['^src/local-storage/', '^src/main\\.ts$'] },
      to: { path: '^src/local-storage/', pathNot: '^src/local-storage/faults/fault-plan\\.ts$' },
    },
    {
      name: 'storage-api-stands-alone',
      severity: 'error',
      comment: 'The Storage API client uses only the shared kernel (errors.ts).',
      from: { path: '^src/storage-api/' },
      to: { path: '^src/', pathNot: ['^src/storage-api/', '^src/errors\\.ts$'] },
    },
    {
      name: 'local-storage-stands-alone',
      severity: 'error',
      from: { path: '^src/local-storage/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/local-storage/',
          '^src/storage-api/',
          '^src/entry-point\\.ts$',
          '^src/logger\\.ts$',
          '^src/config\\.ts$',
          '^src/startup-failure\\.ts$',
        ],
      },
    },
    {
      name: 'kernel-depends-on-no-folder',
      severity: 'error',
      comment: 'The shared kernel is the bottom layer (config.ts: see importer-not-into-local-storage).',
      from: { path: KERNEL },
      to: { path: '^src/[^/]+/', pathNot: '^src/local-storage/faults/fault-plan\\.ts$' },
    },
    {
      name: 'http-is-plumbing-only',
      severity: 'error',
      comment: 'http/ knows Hono and the request, not what a body becomes.',
      from: { path: '^src/http/' },
      to: { path: '^src/(ingest|file-stores|results|routes)/|^src/app\\.ts$' },
    },
    {
      name: 'file-stores-below-ingest',
      severity: 'error',
      from: { path: '^src/file-stores/' },
      to: { path: '^src/(http|ingest|results|routes)/|^src/app\\.ts$' },
    },
    {
      name: 'ingest-below-routes',
      severity: 'error',
      comment: 'ingest/ is shared by every upload route; it knows no route.',
      from: { path: '^src/ingest/' },
      to: { path: '^src/(results|routes)/|^src/app\\.ts$' },
    },
    {
      name: 'results-below-routes',
      severity: 'error',
      from: { path: '^src/results/' },
      to: { path: '^src/(http|ingest|file-stores|routes)/|^src/app\\.ts$' },
    },
    {
      name: 'routes-independent',
      severity: 'error',
      comment: 'A route folder imports no other route folder (browser-page reuses the tableId rule).',
      from: { path: '^src/routes/([^/]+)/' },
      to: {
        path: '^src/routes/',
        pathNot: ['^src/routes/$1/', '^src/routes/write-table/write-table-fields\\.ts$'],
      },
    },
    {
      name: 'nothing-imports-the-app',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/(app|main)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
