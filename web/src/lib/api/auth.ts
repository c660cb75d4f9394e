/** Signing up, in and out, and who the caller is. */
import { client, data, type CallOptions } from "./client";
import type { LoginRequest, PasswordResetConfirmRequest, PasswordResetRequest, SignOutEverywhereRequest, SignupRequest } from "./types";

// Sign-up and login answer 401 for a wrong password: the form says so instead of redirecting to itself.
const noRedirect = { redirectOn401: false };

export const authApi = {
  signup: (body: SignupRequest) => data(client.POST("/auth/signup", { body }), noRedirect),
  verify: (token: string) => data(client.POST("/auth/verify", { body: { token } }), noRedirect),
  requestPasswordReset: (body: PasswordResetRequest) => data(client.POST("/auth/password-reset/request", { body }), noRedirect),
  resetPassword: (body: PasswordResetConfirmRequest) => data(client.POST("/auth/password-reset", { body }), noRedirect),
  login: (body: LoginRequest) => data(client.POST("/auth/login", { body }), noRedirect),
  logout: () => data(client.POST("/auth/logout"), noRedirect),
  signOutEverywhere: (body: SignOutEverywhereRequest) => data(client.POST("/me/sign-out-everywhere", { body })),
  me: (options: CallOptions = {}) => data(client.GET("/me"), options),
  sessions: (userId?: string) => data(client.GET("/sessions", { params: { query: userId ? { user_id: userId } : {} } })),
  endSession: (id: string) => data(client.DELETE("/sessions/{id}", { params: { path: { id } } })),
};
