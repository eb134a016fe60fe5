// removeAnnotations: removes annotations (metadata and pod templates) by key, prefix or vendor preset.
import { isVendorAnnotation } from '../../resources/vendors.js';
import { keyRemover } from './remove-keys.js';

export const removeAnnotations = keyRemover({
  type: 'removeAnnotations',
  field: 'annotations',
  summary: 'removes annotations (metadata and pod templates) by key, prefix or vendor preset',
  isVendorKey: isVendorAnnotation,
});
