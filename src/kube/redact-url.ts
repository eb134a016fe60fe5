// URLs made safe to print: the user and password of a URL (`https://user:pass@host`) never reach a message or file.

/**
 * Returns `url` without its userinfo (`user:password@`), so it can be printed or copied into a kubeconfig. Text
 * that does not parse as a URL still loses anything between `//` and `@` in its authority part.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    // URL adds a `/` path to a bare origin; keep the caller's form.
    return url.endsWith('/') || u.pathname !== '/' ? u.href : u.href.replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^/@\s]*@/g, '//');
  }
}
