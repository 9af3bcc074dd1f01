/**
 * How this deployment signs users in (`GET /web-config.json`), read once before the first
 * render: an API key pasted by the user, or Firebase Auth with the project's web config.
 */

export interface FirebaseWebConfig {
  apiKey: string;
  authDomain: string;
  projectId: string;
}

export interface WebConfig {
  auth: 'api_key' | 'firebase';
  firebase: FirebaseWebConfig | null;
}

let loaded: WebConfig = { auth: 'api_key', firebase: null };

/** Falls back to API-key sign-in when the server does not say otherwise. */
export async function loadWebConfig(): Promise<WebConfig> {
  try {
    // index.html preloads it; a plain same-origin fetch picks the preloaded answer up.
    const response = await fetch('web-config.json');
    if (response.ok) loaded = (await response.json()) as WebConfig;
  } catch {
    // Offline or an older server: API keys always work.
  }
  return loaded;
}

export const webConfig = (): WebConfig => loaded;
