#!/usr/bin/env node
// Committed stub so that package managers can link the bin before anything is built: the
// `datomkit` command of the one package an application depends on is @datomkit/cli's.
import { main } from '@datomkit/cli';

process.exitCode = await main(process.argv.slice(2));
