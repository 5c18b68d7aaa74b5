/**
 * The few globals every host of core has (browsers, Node, Electron) that the ES library types do
 * not declare. Declared here, minimally, so core can stay free of DOM and Node types.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
