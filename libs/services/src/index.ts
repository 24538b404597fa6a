// The service declarations (apps/<name>/service.json) and what derives from them.
export { loadGameTopology, loadServiceDeclarations, workspaceRoot } from './loadDeclarations';
export { composeFile, declaredModuleFor, dockerfileFor, generatedServiceFiles, hostPortVariable, projectJsonFor } from './generate';
export { formatJson } from './json';
export { appAwsNames, clusterName, GATEWAY_ENDPOINT_SERVICES, INTERFACE_ENDPOINT_SERVICES, METRICS_NAMESPACE, TASK_ACTIONS, TASK_API_CALLS } from './aws';
export type { Egress } from './aws';
