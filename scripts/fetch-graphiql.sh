#!/usr/bin/env bash
# Re-fetches the GraphiQL page assets from the npm registry into gateway/assets/graphiql/.
# They are committed and compiled into the binary (include_bytes!), so GraphiQL works offline;
# run this only to upgrade them. GraphiQL 3 is the last line with a UMD build, which needs
# React 18's UMD builds (React 19 has none).
set -euo pipefail
GRAPHIQL=3.8.3 REACT=18.3.1
out="$(cd "$(dirname "$0")/.." && pwd)/gateway/assets/graphiql"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
cp "graphiql-$GRAPHIQL/package/graphiql.min.js" "graphiql-$GRAPHIQL/package/graphiql.min.css" "$out/"
cp "react-$REACT/package/umd/react.production.min.js" "$out/"
cp "react-dom-$REACT/package/umd/react-dom.production.min.js" "$out/"
echo "graphiql $GRAPHIQL, react $REACT -> $out"
