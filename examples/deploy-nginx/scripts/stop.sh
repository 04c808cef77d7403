#!/bin/bash
# ApplicationStop (the previous good revision's script, as CodeDeploy runs it): the demo's
# instances need no stopping; it records that it ran.
echo "$LIFECYCLE_EVENT $SLUICE_DEPLOY_TARGET $DEPLOYMENT_ID" >>"$DEPLOY_NGINX_STATE/stops"
echo "stopping $SLUICE_DEPLOY_TARGET (revision $SLUICE_DEPLOY_PREVIOUS_REVISION)"
