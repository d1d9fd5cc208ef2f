#!/usr/bin/env node
// The gtm CLI. TypeScript sources run through tsx's loader, so a clone needs no build step.
'use strict';
process.env.SF_SKIP_NEW_VERSION_CHECK ??= 'true';
process.env.SF_DISABLE_TELEMETRY ??= 'true';
process.env.SF_DISABLE_AUTOUPDATE ??= 'true'; // else the sf CLI spawns a detached 'sf update'
require('tsx/cjs');
require('../scripts/cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
