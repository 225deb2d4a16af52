/**
 * A rule level in words. Wazuh's classification runs from 0 to 15; its rule syntax also
 * allows 16, which is said as such rather than as "16 of 15".
 */
export function levelOf(level: number): string {
  return level > 15 ? `level ${level}, above the top of Wazuh's 0-15 scale` : `level ${level} of 15`;
}

/**
 * What a Wazuh rule level means, in the words of Wazuh's rule classification table,
 * for explanations that have nothing more specific to say.
 */
export function levelMeaning(level: number): string {
  if (level <= 3) {
    return `Wazuh rates it ${levelOf(level)}, which it uses for routine or authorized activity: worth a look only if nobody expected it.`;
  }
  if (level <= 6) {
    return `Wazuh rates it ${levelOf(level)}: a low-importance error or warning, usually not urgent.`;
  }
  if (level <= 9) {
    return `Wazuh rates it ${levelOf(level)}: unusual activity or an error from an unexpected source, worth checking today.`;
  }
  if (level <= 11) {
    return `Wazuh rates it ${levelOf(level)}: repeated errors or a pattern that often goes with an attack.`;
  }
  return `Wazuh rates it ${levelOf(level)}: a high-importance security event that needs attention now.`;
}
