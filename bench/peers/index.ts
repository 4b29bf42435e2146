export { runStompPy, type StompPyOptions, type StompPyResult } from './stomppy.js';
export { createBenchPki, parseVariants, startBenchTlsBroker, usesSigning, usesTls, VARIANTS, type BenchKeyType, type BenchPki, type Variant } from './secure.js';
