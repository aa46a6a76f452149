import { Type } from 'typebox';

// The passkey routes' schemas. The browser's answers are checked for shape and size here (every
// field base64url, bounded); what they mean is @simplewebauthn/server's to check.

export const Html = {
  200: Type.String(),
  303: Type.String(),
  400: Type.String(),
  403: Type.String(),
  404: Type.String(),
  409: Type.String(),
};
export const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
export const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });
export const NameBody = Type.Object({ ...Csrf, name: Type.Optional(Type.String({ maxLength: 1000 })) });
export const B64 = (max: number) => Type.String({ maxLength: max, pattern: '^[A-Za-z0-9_-]*={0,2}$' });
/** Whatever else the browser adds to its answer is kept for the library to read or ignore. */
export const Open = { additionalProperties: true };

export const RegistrationResponse = Type.Object(
  {
    id: B64(1400),
    rawId: B64(1400),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: B64(8192),
        attestationObject: B64(65_536),
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 30 }), { maxItems: 10 })),
      },
      Open,
    ),
    clientExtensionResults: Type.Object({}, Open),
  },
  Open,
);

export const AuthenticationResponse = Type.Object(
  {
    id: B64(1400),
    rawId: B64(1400),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: B64(8192),
        authenticatorData: B64(8192),
        signature: B64(2048),
        userHandle: Type.Optional(B64(200)),
      },
      Open,
    ),
    clientExtensionResults: Type.Object({}, Open),
  },
  Open,
);

export const JsonError = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) }),
});
export const Options = Type.Object({}, Open);
export const Redirect = Type.Object({ redirect: Type.String() });
export const Json = { 400: JsonError, 401: JsonError, 403: JsonError, 429: JsonError };
