// The service declarations (apps/<name>/service.json) and what derives from them.
export { loadGameTopology, loadServiceDeclarations, workspaceRoot } from './declarations';
export { composeFile, declaredModuleFor, dockerfileFor, generatedServiceFiles, hostPortVariable, projectJsonFor } from './generate';
export { formatJson } from './json';
export { appAwsNames, clusterName, INTERFACE_ENDPOINT_SERVICES, TASK_ACTIONS } from './aws';
export type { Egress } from './aws';
