# Production image of the Table Importer. Build stage: all dependencies, `tsc` to dist/. Runtime
# stage: production dependencies and dist/ only, non-root, node as PID 1. .ci/prod-smoke repeats
# these steps without Docker; change both together.

FROM node:22-slim AS build
WORKDIR /app
# All dependencies: tsc type-checks the local stand-in too (DuckDB, s3rver are devDependencies).
# Install scripts are skipped as npm 11 does by default (CI's npm): the native packages
# (@duckdb/node-bindings-*, esbuild) ship prebuilt binaries as optional dependencies.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
# src/web (the browser upload page) is copied to dist/web by the build.
COPY src ./src
RUN npm run build

FROM node:22-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Production dependencies only: what remote mode loads (~35 MB). Local mode's packages (DuckDB,
# s3rver) are devDependencies and stay out; test/deploy/dependencies.test.ts keeps it so.
COPY package.json package-lock.json ./
COPY scripts/prune-production-modules.sh ./scripts/
# Declarations, source maps and the browser builds the SDKs ship are never loaded by Node: pruned.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && sh scripts/prune-production-modules.sh node_modules \
  && npm cache clean --force
COPY --from=build /app/dist ./dist

# Remote mode only: KBC_URL (e.g. https://connection.keboola.com) comes from the environment
# (fly.toml [env], `docker run -e`). Without it the process exits 1 with one line: local mode isn't
# installed in this image.
ENV PORT=8080 HOST=0.0.0.0
# glibc malloc: two arenas instead of one per thread, and every allocation of 128 KiB or more (the
# 5 MiB part buffers) its own mapping, returned to the system when freed (glibc would otherwise raise
# that threshold to 5 MiB after the first freed part and keep freed parts in its heap). Peak RSS of
# a 2 GiB upload ~13 MiB lower, CPU unchanged (`bench/flags-ab.ts`; README, Performance).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
EXPOSE 8080
USER node

# Exec form, no npm or shell in between: node is PID 1 and receives SIGTERM itself, which starts
# the graceful drain (DRAIN_SECONDS).
# V8 heap sizing for a byte-streaming proxy (`npm run bench` reads these flags from here): every
# 64 KiB socket read is a fresh off-heap buffer, and V8 frees it only in a collection. A 1 MiB
# young generation is scavenged often and cheaply, so those buffers die young (peak RSS ~15–25 MiB
# lower); a 32 MiB initial heap keeps their off-heap bytes from starting a full mark-compact every
# ~100 ms (importer CPU per GiB ~40 % lower). README, Performance: "GC and the node flags".
CMD ["node", "--max-semi-space-size=1", "--initial-heap-size=32", "dist/main.js"]
