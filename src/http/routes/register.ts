// placeholder: filled in by the module's author
import type { Catalog } from '../../catalog/index.js';
import type { Router } from '../router.js';

export function registerRoutes(_router: Router, _catalog: Catalog): void {}
