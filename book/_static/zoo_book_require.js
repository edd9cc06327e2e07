// AMD module ids (the widgets' HTML manager, whose fonts are found beside it) resolve under the
// site's own _static/vendor/npm/, whatever the depth of the page: no CDN, no 404.
require.config({ baseUrl: new URL("vendor/npm/", document.currentScript.src).href });
