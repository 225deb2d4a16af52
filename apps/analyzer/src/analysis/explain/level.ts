/**
 * What a Wazuh rule level means, in the words of Wazuh's rule classification table,
 * for explanations that have nothing more specific to say.
 */
export function levelMeaning(level: number): string {
  if (level <= 3) {
    return `Wazuh rates it level ${level} of 15, which it uses for routine or authorized activity: worth a look only if nobody expected it.`;
  }
  if (level <= 6) {
    return `Wazuh rates it level ${level} of 15: a low-importance error or warning, usually not urgent.`;
  }
  if (level <= 9) {
    return `Wazuh rates it level ${level} of 15: unusual activity or an error from an unexpected source, worth checking today.`;
  }
  if (level <= 11) {
    return `Wazuh rates it level ${level} of 15: repeated errors or a pattern that often goes with an attack.`;
  }
  return `Wazuh rates it level ${level} of 15: a high-importance security event that needs attention now.`;
}
