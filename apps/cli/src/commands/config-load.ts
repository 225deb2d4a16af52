import { isAbsolute, resolve } from 'node:path';
import {
  configFromEnv,
  groupingFromEnv,
  loadConfig,
  loadInventory,
  type HeraldConfig,
  type Inventory,
} from '@herald/config';
import type { CliIo } from '../command.ts';

/** A configuration as the services would run with it, and its inventory. */
export interface LoadedConfig {
  config: HeraldConfig;
  inventory?: Inventory;
  /** The file read, or undefined when the configuration came from the environment. */
  file?: string;
}

/**
 * Loads what a service would: `--config FILE`, else HERALD_CONFIG, else the configuration
 * built from the environment's variables; then the inventory the configuration names. Routes
 * that set no grouping get HERALD_GROUP_BY, HERALD_GROUP_WAIT... as the analyzer gives them.
 *
 * @throws ConfigFileError listing every problem with file, line and column.
 */
export async function loadConfigAsServicesWould(
  flag: string | undefined,
  io: CliIo,
): Promise<LoadedConfig> {
  const named = flag ?? io.env.HERALD_CONFIG;
  if (named === undefined || named === '') {
    return { config: configFromEnv(io.env) };
  }
  const file = isAbsolute(named) ? named : resolve(io.cwd, named);
  const config = await loadConfig(file, { env: io.env, defaultGrouping: groupingFromEnv(io.env) });
  if (config.inventory === undefined) {
    return { config, file };
  }
  return { config, file, inventory: await loadInventory(config.inventory) };
}
