export { runStompPy, type StompPyOptions, type StompPyResult } from './stomppy.js';
export { costText, createBenchPki, goalOf, parseVariants, startBenchTlsBroker, usesSigning, usesTls, VARIANTS, type BenchKeyType, type BenchPki, type Variant } from './secure.js';
export { HOSTS, ingestRecord, PER_MESSAGE, SERVICES, SITE } from './ingest-load.js';
