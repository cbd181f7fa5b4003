// A relative import between the plugin's own modules: resolved inside its versioned folder.
export function rowLabel(exchange) {
  return `Démo : ${exchange.subject}`;
}
