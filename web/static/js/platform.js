// The platform's configured name (setting platform_name), written by the layout in <meta name="application-name">.

export function platformName() {
  const meta = document.querySelector('meta[name="application-name"]');
  return (meta && meta.content) || "Relais Santé";
}

/** A browser tab's title: "Boîte de réception · Relais Santé", as the server writes it. */
export function pageTitle(text) {
  return `${text} · ${platformName()}`;
}
