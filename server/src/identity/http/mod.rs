//! Identity's plain routes: the form endpoints of setup, sign-in, sign-up, invitations, reset
//! and the second factor (303 answers, so they work before hydration), and Google sign-in.

pub mod auth;
pub mod google;

use axum::{
    routing::{get, post},
    Router,
};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/setup", post(auth::setup))
        .route("/auth/login", post(auth::login))
        .route("/auth/signup", post(auth::sign_up))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/invite/{token}", post(auth::accept_invitation))
        .route("/auth/forgot", post(auth::forgot))
        .route("/auth/code", post(auth::second_factor))
        .route("/auth/reset/{token}", post(auth::reset))
        .route("/auth/verify/{token}", get(auth::verify_email))
        .route("/auth/google", post(google::start))
        .route("/auth/google/callback", get(google::callback))
}
