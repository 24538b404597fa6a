// The service declarations (apps/<name>/service.json) and what derives from them.
export { loadServiceDeclarations, serviceDeclarationSchema } from './declarations';
export type { ServiceDeclaration } from './declarations';
export { composeFile, dockerfileFor, generatedServiceFiles, hostPortVariable } from './generate';
