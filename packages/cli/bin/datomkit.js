#!/usr/bin/env node
// Committed stub so that package managers can link the bin before anything is built.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
