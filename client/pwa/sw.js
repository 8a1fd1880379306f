// The app shell, kept so that the app installs and opens without the
// network: the page, its script, wasm, styles, manifest and icons. Network
// first (a new build is picked up at once), the cache when the network is
// gone. Never MSN traffic: WebSockets do not pass through here, and the
// relay's and Passport's paths are left alone.
const CACHE = 'msn-web-shell-v1';
const NEVER = ['/ws', '/ws-refusal', '/NotRST.srf'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const page = await fetch('./', { cache: 'no-cache' });
    const html = await page.clone().text();
    await cache.put('./', page);
    // What the page loads, by name (trunk's file names change each build).
    const assets = [...html.matchAll(/(?:href|src)="([^"]+\.(?:js|wasm|css|webmanifest|png))"/g)].map((m) => m[1]);
    await cache.addAll([...new Set(assets)]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || NEVER.some((p) => url.pathname.startsWith(p))) {
    return;
  }
  event.respondWith((async () => {
    try {
      const res = await fetch(req);
      if (res.ok && res.type === 'basic') {
        const cache = await caches.open(CACHE);
        await cache.put(req, res.clone());
      }
      return res;
    } catch (err) {
      const hit = (await caches.match(req, { ignoreSearch: true }))
        || (req.mode === 'navigate' ? await caches.match('./') : undefined);
      if (hit) return hit;
      throw err;
    }
  })());
});
