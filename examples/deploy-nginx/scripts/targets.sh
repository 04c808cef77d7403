#!/bin/bash
# targets-command: the deployment's targets, one per line, with their colour.
echo "blue=app-blue"
echo "green=app-green"
