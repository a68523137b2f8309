#!/bin/sh
# Production image only (Dockerfile runtime stage, and .ci/prod-smoke which mirrors it): removes
# from a `npm ci --omit=dev` tree what Node never loads on a server — TypeScript declarations, source
# maps, and the browser / react-native builds that @azure/* and @typespec/* ship beside their Node
# builds (each package carries 4 copies). 76 MB → 28 MB with the Azure SDK; nothing `import` or
# `require` resolves on Node is removed (package.json `exports` pick the `import`/`require` builds).
set -eu
modules="${1:-node_modules}"
find "$modules" -type f \( -name '*.d.ts' -o -name '*.d.cts' -o -name '*.d.mts' -o -name '*.map' \) -delete
find "$modules" -type d \( -path '*/dist/browser' -o -path '*/dist/react-native' -o -name dist-types \) -prune \
  -exec rm -rf {} +
