//! The end-to-end tests, through the binary and the library's facade, in one test binary: built
//! once, its fixtures shared.

mod check;
mod choices;
mod class;
mod common;
mod copies;
mod generate;
mod grades;
mod hostile;
mod identify;
mod ironcalc;
mod layers;
mod libreoffice;
mod lms;
mod marking;
mod reference;
mod scale;
mod slips;
mod submissions;
mod template;
mod variants;
mod writeup;
