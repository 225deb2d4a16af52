export {
  SilenceCache,
  findSilence,
  type LoadedSilence,
  type SilenceCacheOptions,
} from './cache.ts';
