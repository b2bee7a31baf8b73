export { startEmulator, type Emulator, type EmulatorOptions } from './server.js';
export { parseEmulatorConfig, type EmulatorConfig, type EmulatorConfigInput } from './config.js';
export { DEFAULT_SEED, seedSchema, type Seed } from './seed.js';
export {
  startMultiEmulator,
  type EmulatedInstance,
  type MultiEmulator,
  type MultiEmulatorOptions,
} from './multi-emulator.js';
