#!/bin/bash
# Installs SLUICE_DEPLOY_REVISION on SLUICE_DEPLOY_TARGET (the instance re-reads it).
set -eu
cp "$DEPLOY_NGINX_STATE/releases/$SLUICE_DEPLOY_REVISION" \
  "$DEPLOY_NGINX_STATE/apps/$SLUICE_DEPLOY_TARGET/release"
echo "installed $SLUICE_DEPLOY_REVISION on $SLUICE_DEPLOY_TARGET" \
  "(previous good revision: ${SLUICE_DEPLOY_PREVIOUS_REVISION:-none})"
