import { loadConfig, loadInventory, type EnvSource, type Inventory } from '@herald/config';

/**
 * The asset inventory the config file (HERALD_CONFIG) names, validated; none without a config
 * file or without `inventory:` in it. `env` supplies the file's `${VAR}` references: the
 * enricher validates the whole file, as every service does, so one mistake stops them all.
 *
 * @throws ConfigFileError naming file, line and column of every problem (config or inventory).
 */
export async function loadConfiguredInventory(
  configFile: string | undefined,
  env: EnvSource,
): Promise<Inventory | undefined> {
  if (!configFile) {
    return undefined;
  }
  const config = await loadConfig(configFile, { env });
  return config.inventory ? loadInventory(config.inventory) : undefined;
}
