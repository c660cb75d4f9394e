import { renderSVG } from "uqr";

/**
 * The otpauth:// URI as a QR code image (an SVG data URL), drawn in the browser: the secret goes nowhere else.
 * Error correction M and the standard four-module quiet zone keep it readable by phone cameras on any background.
 */
export const totpQrDataUrl = (uri: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(uri, { ecc: "M", border: 4 }))}`;
