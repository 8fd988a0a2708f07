/* Start Swagger UI on /api/v1/docs from the settings the server put on #swagger-ui
 * (a data- attribute, as the Content-Security-Policy allows no inline script). */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var settings = JSON.parse(root.dataset.swaggerSettings);
  settings.dom_id = "#swagger-ui";
  settings.presets = [window.SwaggerUIBundle.presets.apis];
  window.ui = window.SwaggerUIBundle(settings);
})();
