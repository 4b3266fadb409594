//! The learning-rate range test (fastai's `lr_find`) and its suggestions.
