// The API docs page (/docs): Swagger UI, loaded from this server, reading our OpenAPI document.
window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
