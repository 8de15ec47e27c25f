/** The shared behaviour suite on a real PostgreSQL 15 database (node-postgres + pg-copy-streams driver). */
import { describe } from 'vitest';
import { postgresBackend } from './support/backends.js';
import { storeBehaviour } from './support/behaviour.js';

describe('ohlcv-store on PostgreSQL', () => storeBehaviour(postgresBackend));
