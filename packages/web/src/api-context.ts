// The one API client of the page (same origin as the dashboard: the collector serves both).
import { ApiClient } from './api/client.js';

export const api = new ApiClient();
