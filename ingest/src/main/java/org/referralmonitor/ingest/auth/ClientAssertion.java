package org.referralmonitor.ingest.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;
import org.referralmonitor.ingest.endpoint.Connection;

/**
 * The SMART Backend Services authentication JWT: header {@code alg} RS384 or ES384, {@code kid},
 * {@code typ: JWT}; claims {@code iss = sub = client id}, {@code aud = token URL}, {@code exp} four
 * minutes ahead (the specification allows at most five), a fresh {@code jti}. Signed by Nimbus JOSE
 * with the private key named by {@code auth.private-key-ref} (PKCS#8 PEM or a JWK).
 */
final class ClientAssertion {

    static final Duration LIFETIME = Duration.ofMinutes(4);

    private ClientAssertion() {
    }

    static String sign(Connection.Auth auth, URI tokenUrl, Instant now) throws AuthenticationException {
        String missing = Authenticators.missingIdentity(auth);
        if (missing != null) {
            // never an assertion without kid, iss or sub
            throw new AuthenticationException(missing, false);
        }
        JWSAlgorithm algorithm = switch (auth.algorithm() == null ? "RS384" : auth.algorithm()) {
            case "RS384" -> JWSAlgorithm.RS384;
            case "ES384" -> JWSAlgorithm.ES384;
            default -> throw new AuthenticationException("auth.algorithm must be RS384 or ES384, not "
                    + auth.algorithm(), false);
        };
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(auth.clientId())
                .subject(auth.clientId())
                .audience(tokenUrl.toString())
                .expirationTime(Date.from(now.plus(LIFETIME)))
                .issueTime(Date.from(now))
                .jwtID(UUID.randomUUID().toString())
                .build();
        JWSHeader header = new JWSHeader.Builder(algorithm).keyID(auth.keyId()).type(JOSEObjectType.JWT).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signer(Authenticators.secret(auth.privateKeyRef(), "auth.private-key-ref"), algorithm));
        } catch (JOSEException e) {
            throw new AuthenticationException("cannot sign the client assertion with the " + algorithm
                    + " key: " + e.getMessage(), false);
        }
        return jwt.serialize();
    }

    private static JWSSigner signer(String key, JWSAlgorithm algorithm) throws AuthenticationException, JOSEException {
        boolean rsa = algorithm.equals(JWSAlgorithm.RS384);
        String text = key.strip();
        if (text.startsWith("{")) {
            try {
                JWK jwk = JWK.parse(text);
                return rsa ? new RSASSASigner((RSAKey) jwk) : new ECDSASigner((ECKey) jwk);
            } catch (ParseException | ClassCastException e) {
                throw new AuthenticationException("the private key is not an " + (rsa ? "RSA" : "EC") + " JWK", false);
            }
        }
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new AuthenticationException("the private key must be a PKCS#8 PEM (BEGIN PRIVATE KEY) or a JWK", false);
        }
        byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", ""));
        try {
            PrivateKey privateKey = KeyFactory.getInstance(rsa ? "RSA" : "EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            return rsa ? new RSASSASigner(privateKey) : new ECDSASigner((ECPrivateKey) privateKey);
        } catch (GeneralSecurityException e) {
            throw new AuthenticationException("the private key is not a " + (rsa ? "RSA" : "EC") + " PKCS#8 key", false);
        }
    }
}
