const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a value can be a Herald alert id (a UUID, as `insertAlerts` makes them). Checked
 * before a value reaches a `uuid` parameter, where anything else fails the statement.
 */
export function isAlertId(value: string): boolean {
  return UUID.test(value);
}
